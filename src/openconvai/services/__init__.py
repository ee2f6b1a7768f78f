"""Business rules per area; routers call these, these call the store."""
