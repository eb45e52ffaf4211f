"""Holiday sources."""
