from qadam.migrations import run_env

from notify.models import Base

run_env(Base.metadata)
