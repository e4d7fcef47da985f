"""What agents and supervisors keep open all day (B2, A5, A7, B10): the agent desktop
with its screen pop (`views`, `consumers`, `live`) and the supervisor monitor
(`monitor`). Both act through the REST API and follow the switch over WebSockets."""
