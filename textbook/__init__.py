"""textbook: an event-sourced platform on which many people write open textbooks together."""
