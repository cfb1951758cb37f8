"""Adapters both profiles use: FFmpeg for audio files (and the container sniffing that guards its inputs), the
SSRF-safe `https` fetcher, Twilio SMS (the local profile sends through Twilio too when its keys are set)."""
