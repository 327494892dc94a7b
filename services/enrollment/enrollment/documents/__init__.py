"""Enrollment's papers about one man: their words (words.py), written out as HTML in the paper's language
(rendering.py, templates/paper.html) for the kit's PDF renderer (qadam.documents). Their rules are domain/documents.py,
their use cases commands/documents.py, their routes api/documents.py."""
