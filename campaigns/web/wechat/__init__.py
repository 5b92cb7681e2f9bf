"""WeChat's own HTTP audience: the signed callback and the OAuth sign-in views."""
