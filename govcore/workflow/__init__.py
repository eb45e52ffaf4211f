"""The workflow engine: definitions as data, cases, tasks, deadlines and publicity periods.

``definition`` describes procedures, ``case`` what a running case holds, ``engine`` what each
action does, and ``service`` stores, audits, notifies and times it all in a unit of work.
"""
