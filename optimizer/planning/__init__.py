"""Planning: option tables, candidate selection, presolve, the Pyomo models, solving, schedules and risk."""
