from consultation.analysis.models.exports import ExportRecord
from consultation.analysis.models.results import ResultsPage, ResultsRelease
from consultation.analysis.models.text_analysis import TextAnalysis
from consultation.analysis.models.themes import Theme, ThemeTag

__all__ = ["ExportRecord", "ResultsPage", "ResultsRelease", "TextAnalysis", "Theme", "ThemeTag"]
