"""The blob store's hooks: the daily sweep of orphaned blobs."""
