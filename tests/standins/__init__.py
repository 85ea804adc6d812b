"""Local stand-ins for Discord (REST + Gateway) and for the CogVideoX API, over real sockets."""
