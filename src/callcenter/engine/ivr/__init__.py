"""The IVR (语音导航): flows as data (`flow`), their checking (`check`), and the service
that runs one on a call (`runner`)."""
