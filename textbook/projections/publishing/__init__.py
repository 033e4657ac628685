"""Publishing: the approved text of a book, from the read models, to HTML, EPUB and PDF."""
