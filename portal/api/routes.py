"""API views. (Foundation stub: token auth and endpoints come with issue 2.)"""
