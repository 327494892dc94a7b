from qadam.migrations import run_env
from risk.models import Base

run_env(Base.metadata)
