from qadam.migrations import run_env
from sessions.models import Base

run_env(Base.metadata)
