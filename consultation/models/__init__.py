from consultation.models.consultations import Consultation

__all__ = ["Consultation"]
