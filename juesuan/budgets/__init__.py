"""部门预算 (department budgets): vocabulary, table recognition and measures beside the final-account parser."""
