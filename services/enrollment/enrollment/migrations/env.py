from qadam.migrations import run_env

from enrollment.models import Base

run_env(Base.metadata)
