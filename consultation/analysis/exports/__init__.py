"""The export engine: datasets plug in through the registry; writers stream CSV and XLSX.

Public API (see README "Exports" for the contract):
    register_dataset(key, factory), dataset_get(key, identified=...), dataset_all(),
    Dataset, BaseDataset, Column, CodebookRow, ExportFilters, sql_rows, RESPONDENT,
    FILTER_DATES, FILTER_CHANNEL, FILTER_BOROUGH, FILTER_DRAFTS.
"""

from consultation.analysis.exports.datasets import (
    ALL_FILTERS,
    FILTER_BOROUGH,
    FILTER_CHANNEL,
    FILTER_DATES,
    FILTER_DRAFTS,
    RESPONDENT,
    VALUE,
    BaseDataset,
    CodebookRow,
    Column,
    Dataset,
    ExportFilters,
    NoIdentifiedVariant,
    UnknownDataset,
    dataset_all,
    dataset_get,
    dataset_has_identified_variant,
    register_dataset,
    register_dataset_family,
    sql_rows,
    unregister_dataset,
)

__all__ = [
    "ALL_FILTERS",
    "FILTER_BOROUGH",
    "FILTER_CHANNEL",
    "FILTER_DATES",
    "FILTER_DRAFTS",
    "RESPONDENT",
    "VALUE",
    "BaseDataset",
    "CodebookRow",
    "Column",
    "Dataset",
    "ExportFilters",
    "NoIdentifiedVariant",
    "UnknownDataset",
    "dataset_all",
    "dataset_get",
    "dataset_has_identified_variant",
    "register_dataset",
    "register_dataset_family",
    "sql_rows",
    "unregister_dataset",
]
