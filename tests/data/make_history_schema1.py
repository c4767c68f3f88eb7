"""Make tests/data/history-schema1.sqlite with the schema-1 code (before issue 16)."""

from datetime import date
from pathlib import Path

from backplan_xlsx.engine import evaluate
from backplan_xlsx.history import SCHEMA_VERSION, HistoryStore
from backplan_xlsx.model import CheckIn, Snapshot
from backplan_xlsx.spec import load_spec

assert SCHEMA_VERSION == 1
plan = load_spec(Path("templates/sales.yaml"))
out = Path("tests/data/history-schema1.sqlite")
out.unlink(missing_ok=True)
store = HistoryStore(out)
ins = []
for month, as_of, adds in [
    ("2027-01", date(2027, 1, 31), [CheckIn(date(2027, 1, 20), "G1", "Ravi Patel", 40000.0)]),
    ("2027-02", date(2027, 2, 28), [CheckIn(date(2027, 2, 14), "G1", "Mei Chen", 80000.0)]),
    (
        "2027-03",
        date(2027, 3, 31),
        [
            CheckIn(date(2027, 3, 3), "G1", "Tomás Herrera", 40000.0),
            CheckIn(date(2027, 3, 28), "G2", "Aisha Okafor", 900000.0),
        ],
    ),
]:
    ins.extend(adds)
    store.record(month, [evaluate(Snapshot(plan, check_ins=tuple(ins)), as_of)], files=5)
print(store.months(), len(store.rows()))
store.close()
