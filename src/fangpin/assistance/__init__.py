"""Assistance (精准帮扶) and follow-up: plans of measures matched to risk, helpers, and visits on a schedule."""
