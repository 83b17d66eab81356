"""Flash images: the protected region (see eccless.image.ecc) and the raw weight region."""
