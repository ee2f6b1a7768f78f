"""REST routers (thin: parse, call a service, return a model), dependencies and errors."""
