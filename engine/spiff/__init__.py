"""The adapter around SpiffWorkflow. Nothing outside ``engine/spiff`` imports SpiffWorkflow."""

from engine.spiff.compat import lift_task_depth_limit
from engine.spiff.linear_join import linear_parallel_join

lift_task_depth_limit()
linear_parallel_join()
