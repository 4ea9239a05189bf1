"""Read a poster as a printer and a phone would: the PDF's page size, and its QR code read
back from the page rendered to an image (pypdfium2, zxing-cpp)."""

from __future__ import annotations

import io

import pypdfium2
import zxingcpp
from PIL import Image

POINTS_PER_MM = 72 / 25.4


def page_size_mm(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's (width, height) in millimetres, from the PDF's page box."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        sizes = []
        for index in range(len(document)):
            width, height = document[index].get_size()
            sizes.append((round(width / POINTS_PER_MM, 1), round(height / POINTS_PER_MM, 1)))
        return sizes
    finally:
        document.close()


def pdf_qr_codes(pdf: bytes, dpi: int = 150) -> list[str]:
    """The QR codes on the first page, as a printer at `dpi` would print it."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=dpi / 72).to_pil()
    finally:
        document.close()
    return [found.text for found in zxingcpp.read_barcodes(image)]


def pdf_text(pdf: bytes) -> str:
    """The text on the first page."""
    document = pypdfium2.PdfDocument(pdf)
    try:
        return str(document[0].get_textpage().get_text_range())
    finally:
        document.close()


def png_qr_codes(png: bytes) -> list[str]:
    """The QR codes in a PNG."""
    return [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]
