"""Care and safety registers: helpers and visit rules for care groups (关爱帮扶), safety
inspections with hazards and their rectification (安全隐患排查整改)."""
