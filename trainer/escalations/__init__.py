"""Rapid response to warning signals: escalation, acknowledgement, follow-up, chasing."""
