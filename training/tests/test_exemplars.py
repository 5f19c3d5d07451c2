"""The exemplar atlas: nearest cells first, one per image, each tile the cell with its context."""
import torch

from digit.exemplars import atlas, nearest_cells


def test_picks_the_nearest_cells_of_each_token_one_per_image():
    tokens = torch.tensor([[0, 1, 0, 0], [1, 0, 0, 1], [0, 0, 0, 0]])
    distances = torch.tensor([[5.0, 1.0, 0.5, 9.0], [2.0, 0.1, 3.0, 0.2], [7.0, 6.0, 8.0, 4.0]])
    picks = nearest_cells(tokens, distances, codebook_size=3, per_token=2)
    assert picks[0] == [(1, 1), (0, 2)]  # image 1's cell 1 (0.1), then image 0's nearest (0.5)
    assert picks[1] == [(1, 3), (0, 1)]
    assert picks[2] == []


def test_a_tile_is_the_cell_with_one_cell_of_context_around_it():
    grid, cell = 2, 3
    images = torch.rand(2, 3, grid * cell, grid * cell)
    pixels, tile, got_cell = atlas(images, [[(1, 3)], []], grid, per_token=2)
    assert (tile, got_cell) == (9, 3) and pixels.shape == (2 * 9, 2 * 9, 3)
    middle = torch.from_numpy(pixels[3:6, 3:6]).permute(2, 0, 1).float() / 255
    assert torch.allclose(middle, images[1, :, 3:6, 3:6], atol=1 / 255)  # cell 3 = row 1, column 1
    assert (pixels[9:, :] == 255).all() and (pixels[:9, 9:] == 255).all()  # no exemplar: white
