"""What staff do to campaigns: publish and edit checks, keywords, the simulator, redemption,
console users and API tokens."""
