"""The business rules that more than one place applies, each in one module with its Python form and,
where the database applies it too, its SQL form beside it (``tests/test_rules.py`` holds the two to
the same answers on a grid of cases, on SQLite and PostgreSQL):

``task_timing``   overdue / due soon / on track / done late … from due, done and status (and the day)
``open_status``   which task and issue statuses count as open (still to be acted on)
``end_of_day``    "as of a day" means up to the last instant of that day
``observed``      in one period the actual figure wins over the estimate
``unit_validity`` when a unit version is in force: on a day, over a period, over a child's range

Nothing else in the project may restate these rules: import them.
"""
