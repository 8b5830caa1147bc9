"""Leave the sensors' cursors where `dagster dev` on the same data folder expects them after `juesuan run`.

`juesuan run` executes the night in process, so no sensor ticks; without this, the first `dagster dev` on that
DAGSTER_HOME finds the new-documents sensor at cursor 0 and launches a run over every document already done. After
a successful night every registered document has been handed to a documents run and the parser and rule catalogue
versions are current: the cursors say so. The instigator states are keyed by the code location `workspace.yaml`
declares (its origins are read from that file, as `dagster dev` reads them), so the daemon finds them.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from assets.partitions import DOCUMENTS

WORKSPACE_FILE = Path(__file__).resolve().parent.parent / "workspace.yaml"
DOCUMENT_SENSORS = ("new_documents_sensor", "parser_upgrade_sensor", "catalogue_change_sensor")


def expected_cursors(instance: dg.DagsterInstance) -> dict[str, str]:
    """The cursor each document sensor would hold had it ticked through the night just run."""
    from expectations import catalogue_version
    from juesuan.parsing import PARSER_VERSION

    return {
        "new_documents_sensor": str(len(instance.get_dynamic_partitions(DOCUMENTS))),
        "parser_upgrade_sensor": PARSER_VERSION,
        "catalogue_change_sensor": catalogue_version(),
    }


def _origins(workspace_file: Path, name: str):  # type: ignore[no-untyped-def]
    from dagster._core.definitions.repository_definition.valid_definitions import SINGLETON_REPOSITORY_NAME
    from dagster._core.remote_origin import RemoteInstigatorOrigin, RemoteRepositoryOrigin
    from dagster._core.workspace.load import location_origins_from_yaml_paths

    for location in location_origins_from_yaml_paths([str(workspace_file)]):
        yield RemoteInstigatorOrigin(RemoteRepositoryOrigin(location, SINGLETON_REPOSITORY_NAME), name)


def sensor_cursor(
    instance: dg.DagsterInstance, name: str, workspace_file: Path = WORKSPACE_FILE
) -> str | None:
    """The stored cursor of sensor `name` in the workspace's code location (None when it never ticked)."""
    from dagster._core.scheduler.instigation import InstigatorState, InstigatorStatus, InstigatorType

    for origin in _origins(workspace_file, name):
        probe = InstigatorState(origin, InstigatorType.SENSOR, InstigatorStatus.DECLARED_IN_CODE)
        state = instance.get_instigator_state(origin.get_id(), probe.selector_id)
        if state is not None and state.instigator_data is not None:
            return getattr(state.instigator_data, "cursor", None)
    return None


def sync_sensor_cursors(
    instance: dg.DagsterInstance, workspace_file: Path = WORKSPACE_FILE
) -> dict[str, str]:
    """Store the expected cursors (a stored new-documents cursor never moves backwards); returns them."""
    from dagster._core.definitions.sensor_definition import SensorType
    from dagster._core.scheduler.instigation import (
        InstigatorState,
        InstigatorStatus,
        InstigatorType,
        SensorInstigatorData,
    )

    cursors = expected_cursors(instance)
    for name, cursor in cursors.items():
        for origin in _origins(workspace_file, name):
            fresh = InstigatorState(
                origin,
                InstigatorType.SENSOR,
                InstigatorStatus.DECLARED_IN_CODE,
                SensorInstigatorData(cursor=cursor, sensor_type=SensorType.STANDARD),
            )
            state = instance.get_instigator_state(origin.get_id(), fresh.selector_id)
            if state is None:
                instance.add_instigator_state(fresh)
                continue
            data = state.instigator_data if isinstance(state.instigator_data, SensorInstigatorData) else None
            old = data.cursor if data else None
            if name == "new_documents_sensor" and old and old.isdigit() and int(old) > int(cursor):
                cursors[name] = old
                continue
            new_data = data._replace(cursor=cursor) if data else fresh.instigator_data
            instance.update_instigator_state(state.with_data(new_data))
    return cursors
