"""The step model: numbered steps like the manual report's, ordered, gated and given evidence."""
