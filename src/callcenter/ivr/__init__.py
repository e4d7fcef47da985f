"""IVR voice prompts (提示音) and flows (语音导航流程), as the web administers them."""
