"""The cloud rehearsal: the synthesized stack run on this machine (see README "Cloud rehearsal").

Not shipped to Lambda: it lives outside `functions/`, and it is the harness, never the code under test.
"""
