"""Mixup and CutMix: targets that sum to 1 and mix the right pairs; the soft-target loss equals PyTorch's
hard-label loss, label smoothing and class weights included, on one-hot targets."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from emolens.training.mixing import mix_batch, soft_cross_entropy


@pytest.fixture()
def batch() -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    return torch.rand(12, 1, 48, 48, generator=gen) * 255, torch.arange(12) % 7


@pytest.mark.parametrize("smoothing", [0.0, 0.1])
@pytest.mark.parametrize("weighted", [False, True])
def test_soft_targets_that_are_one_hot_give_pytorchs_loss(smoothing: float, weighted: bool) -> None:
    gen = torch.Generator().manual_seed(1)
    logits, labels = torch.randn(20, 7, generator=gen), torch.randint(0, 7, (20,), generator=gen)
    weight = torch.rand(7, generator=gen) + 0.5 if weighted else None
    expected = F.cross_entropy(logits, labels, weight=weight, label_smoothing=smoothing)
    got = soft_cross_entropy(logits, F.one_hot(labels, 7).float(), weight, smoothing)
    assert float(got) == pytest.approx(float(expected), rel=1e-6)


def test_soft_targets_weigh_each_label_by_its_share() -> None:
    logits = torch.tensor([[2.0, 0.0, -1.0]])
    half = soft_cross_entropy(logits, torch.tensor([[0.5, 0.5, 0.0]]))
    log_p = F.log_softmax(logits, 1)[0]
    assert float(half) == pytest.approx(float(-(log_p[0] + log_p[1]) / 2), rel=1e-6)


def test_mixup_blends_each_image_with_its_partner(batch: tuple[torch.Tensor, torch.Tensor]) -> None:
    x, y = batch
    mixed = mix_batch(x, y, 7, 0.4, 0.0, torch.Generator().manual_seed(2))
    assert 0 < mixed.lam < 1 and sorted(mixed.partner.tolist()) == list(range(12))
    assert torch.allclose(mixed.x, mixed.lam * x + (1 - mixed.lam) * x[mixed.partner])
    assert torch.allclose(mixed.targets.sum(1), torch.ones(12))
    for i, j in enumerate(mixed.partner.tolist()):
        expected = torch.zeros(7)
        expected[y[i]] += mixed.lam
        expected[y[j]] += 1 - mixed.lam
        assert torch.allclose(mixed.targets[i], expected)
    again = mix_batch(x, y, 7, 0.4, 0.0, torch.Generator().manual_seed(2))
    assert torch.equal(again.x, mixed.x)


def test_cutmix_pastes_a_box_of_the_partner_and_labels_it_by_area(batch: tuple[torch.Tensor, torch.Tensor]) -> None:
    x, y = batch
    mixed = mix_batch(x, y, 7, 0.0, 1.0, torch.Generator().manual_seed(5))
    from_partner = (mixed.x == x[mixed.partner]) & (mixed.x != x)
    i = next(i for i, j in enumerate(mixed.partner.tolist()) if i != j)
    share = from_partner[i, 0].float().mean()
    assert 0 < float(share) == pytest.approx(1 - mixed.lam, abs=1e-6)
    rows, cols = torch.nonzero(from_partner[i, 0], as_tuple=True)
    box = (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)
    assert int(box) == len(rows)  # one rectangle
    assert torch.equal(mixed.x[~from_partner], x[~from_partner])
    assert torch.allclose(mixed.targets.sum(1), torch.ones(12))
    assert all(mixed.targets[i, y[i]] >= mixed.lam - 1e-6 for i in range(12))


def test_with_both_alphas_batches_take_either(batch: tuple[torch.Tensor, torch.Tensor]) -> None:
    x, y = batch
    gen = torch.Generator().manual_seed(0)
    kinds = set()
    for _ in range(12):
        mixed = mix_batch(x, y, 7, 0.4, 1.0, gen)
        blended = torch.allclose(mixed.x, mixed.lam * x + (1 - mixed.lam) * x[mixed.partner])
        kinds.add("mixup" if blended else "cutmix")
    assert kinds == {"mixup", "cutmix"}
