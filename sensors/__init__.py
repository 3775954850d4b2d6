"""Sensors: policy/golden-set file edits (new postings landing comes with the sensors issue)."""

from sensors.policy_files import observe_policy_files, policy_files_sensor

SENSORS = [policy_files_sensor]
JOBS = [observe_policy_files]
