"""ACD queues (队列), agent skills and not-ready reason codes, as the web administers them."""
