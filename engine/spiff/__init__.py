"""The adapter around SpiffWorkflow. Nothing outside ``engine/spiff`` imports SpiffWorkflow."""
