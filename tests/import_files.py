"""Files an analyst would upload, made from the tiny dataset, and how a refused import is checked."""

from __future__ import annotations

import pandas as pd
import pytest
from tiny_data import make_dataset

from engine.imports import ImportReport, Upload, apply_import, validate_import
from engine.store import Store


def csv_bytes(df: pd.DataFrame, encoding: str = "utf-8", sep: str = ",") -> bytes:
    return df.to_csv(index=False, sep=sep).encode(encoding)


def accounts_frame() -> pd.DataFrame:
    """The tiny dataset's accounts as an analyst's file would have them (all text)."""
    return make_dataset().accounts.astype(object).where(make_dataset().accounts.notna(), "")


def reps_frame() -> pd.DataFrame:
    return make_dataset().reps.astype(object)


def history_frame() -> pd.DataFrame:
    return make_dataset().history.astype(object)


def try_import(store: Store, **uploads: Upload) -> ImportReport:
    """Validate against the store's data and, if valid, write; return the report."""
    info = store.info()
    report = validate_import(
        **uploads, current=store.dataset(), current_version=info.data_version if info else None
    )
    if report.ok:
        apply_import(store, report)
    return report


def assert_refused(store: Store, report: ImportReport, *needles: str) -> str:
    """Assert the import failed, nothing was written, and one error mentions every needle."""
    before = (store.info().data_version, store.counts())
    assert not report.ok
    assert report.dataset is None
    with pytest.raises(ValueError, match="nothing was written"):
        apply_import(store, report)
    assert (store.info().data_version, store.counts()) == before
    assert store.counts() == {"reps": 2, "accounts": 4, "account_history": 6}
    messages = [e.message for e in report.errors]
    matching = [m for m in messages if all(n in m for n in needles)]
    assert matching, f"no error mentions {needles}: {messages}"
    return matching[0]


def accounts_upload(df: pd.DataFrame, name: str = "accounts.csv", **kw) -> Upload:
    return Upload(name, csv_bytes(df, **kw))
