"""Work diaries, patrols, household visits and investigation rounds (issue 17)."""
