"""The adapter around SpiffWorkflow. Nothing outside ``engine/spiff`` imports SpiffWorkflow."""

from engine.spiff import joins
from engine.spiff.compat import lift_task_depth_limit

lift_task_depth_limit()
joins.install()
