"""Analysis over the graph: measure alignment across documents (and its review), agency and
document analytics, the stage x instrument mix."""
