"""The adapter around SpiffWorkflow. Nothing outside ``engine/spiff`` imports SpiffWorkflow."""

from engine.spiff import boundary, joins, variables
from engine.spiff.compat import lift_task_depth_limit

lift_task_depth_limit()
joins.install()
boundary.install()
variables.install()
