"""The embedded emulated AWS (moto) and the demo organization seeded into it."""
