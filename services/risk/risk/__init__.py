"""Qadam risk: explainable recurrence-risk flags; decision support, not a prediction."""

SERVICE = "risk"
