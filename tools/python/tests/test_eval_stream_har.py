"""The streaming HAR scorer: which report is compared with which second, and activity-change latency."""

from mambanano.stream_eval_har import score_recording


def test_each_second_is_scored_against_the_last_report_before_it():
    # 250 samples (5 s): WALKING (1) for samples 1-150, SITTING (4) for 151-250.
    rows = [(1, 1, 150), (4, 151, 250)]
    reports = [(2560, 0), (3840, 3)]  # class indices: WALKING, then SITTING
    seconds, latencies = score_recording(reports, rows, 250)
    # seconds 1 and 2 come before any report; 3 (truth WALKING until sample 150 = 3 s) -> WALKING;
    # 4 and 5 -> SITTING reported at 3.84 s.
    assert seconds == [(0, 0), (3, 3), (3, 3)]
    assert latencies == [3840 - 3000]


def test_unlabelled_and_transition_samples_are_not_scored_and_a_missed_change_is_none():
    rows = [(5, 1, 100), (7, 101, 150), (4, 151, 300)]  # STANDING, STAND_TO_SIT, SITTING
    reports = [(2000, 4), (4000, 4), (6000, 4)]  # always STANDING
    seconds, latencies = score_recording(reports, rows, 350)
    truths = [t for t, _ in seconds]
    assert 6 not in truths  # transitions are not scored
    assert truths == [4, 3, 3, 3]  # 2 s STANDING; 3 s transition; 4-6 s SITTING; 7 s none
    assert latencies == [None]  # one change (to SITTING), never reported
