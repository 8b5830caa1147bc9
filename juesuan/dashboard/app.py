"""Streamlit entry point (`streamlit run juesuan/dashboard/app.py`); `juesuan dashboard` starts it for you."""

from juesuan.dashboard.pages import main

main()
