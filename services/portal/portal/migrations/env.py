from portal.models import Base
from qadam.migrations import run_env

run_env(Base.metadata)
