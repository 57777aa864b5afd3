"""Distillation from an ensemble of teachers: the loss, the teachers' targets, the config's refusals, and
runs that learn the teachers' answers and resume to the same weights."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from tests.conftest import write_kaggle_tree

from emolens.errors import CheckpointError, ConfigError
from emolens.training.config import TrainConfig, load_config
from emolens.training.data import load_split
from emolens.training.distill import Teachers, distill_loss
from emolens.training.loop import bn_batches, evaluate_logits, train
from emolens.training.mixing import Mixed
from emolens.training.nets import build_net

TINY = {"net": "vgg-tiny", "batch_size": 32, "bf16": False, "threads": 1, "warmup_epochs": 0.5}


@pytest.fixture(scope="module")
def taught(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """Generated crops, and two tiny teachers trained on them with different seeds (their run folders)."""
    root = tmp_path_factory.mktemp("distill")
    data = write_kaggle_tree(root / "data", {"Training": 12, "PublicTest": 4, "PrivateTest": 4}, seed=5)
    teachers = []
    for seed in (1, 2):
        train(TrainConfig(data=str(data), epochs=4, lr=0.05, seed=seed, **TINY), root / f"teacher{seed}")
        teachers.append(root / f"teacher{seed}")
    return data, teachers[0], teachers[1]


def test_distill_loss_is_the_scaled_kl_and_zero_at_the_targets() -> None:
    logits = torch.tensor([[2.0, 0.5, -1.0], [0.0, 1.0, 3.0]])
    for temperature in (1.0, 4.0):
        same = F.softmax(logits / temperature, dim=1)
        assert distill_loss(logits, same, temperature).item() == pytest.approx(0.0, abs=1e-6)
        other = torch.tensor([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
        by_hand = (other * (other.log() - F.log_softmax(logits / temperature, dim=1))).sum(1).mean()
        assert distill_loss(logits, other, temperature).item() == pytest.approx(
            temperature**2 * by_hand.item(), rel=1e-5
        )


def test_teachers_average_their_softmax_and_refuse_other_classes(taught: tuple[Path, Path, Path]) -> None:
    data, first, second = taught
    cfg = TrainConfig(data=str(data), **TINY)
    images = load_split(cfg, "train")
    device = torch.device("cpu")
    teachers = Teachers.load([str(first), str(second)], 7, 2.0, lambda: bn_batches(cfg, images, 0, device), device)
    x = images.x[:16].contiguous(memory_format=torch.channels_last)
    each = [F.softmax(evaluate_logits(model, x) / 2.0, dim=1) for model in teachers.models]
    assert not torch.allclose(each[0], each[1], atol=1e-3)
    assert torch.allclose(teachers.targets(x, bf16=False), (each[0] + each[1]) / 2, atol=1e-5)
    teachers.read_clean(images.x, bf16=False)
    picked = torch.tensor([3, 0, 5])
    mirrored = (teachers.targets(x, False) + teachers.targets(x.flip(3), False)) / 2
    assert torch.allclose(teachers.clean_targets(picked, None), mirrored[picked], atol=1e-5)
    mix = Mixed(x[:3], torch.zeros(3, 7), torch.tensor([2, 0, 1]), 0.25)
    assert torch.allclose(
        teachers.clean_targets(picked, mix), 0.25 * mirrored[picked] + 0.75 * mirrored[picked[[2, 0, 1]]], atol=1e-5
    )
    with pytest.raises(ConfigError, match="does not fit a vgg-tiny net with 5 classes"):
        Teachers.load([str(first)], 5, 2.0, lambda: bn_batches(cfg, images, 0, device), device)


def test_a_teacher_that_is_not_a_checkpoint_stops_the_run_with_a_clear_error(
    taught: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    data = taught[0]
    (tmp_path / "notes.pt").write_text("not a checkpoint")
    for teacher, message in (
        (tmp_path / "nowhere", "holds no checkpoint"),
        (tmp_path / "notes.pt", "not a checkpoint"),
    ):
        cfg = TrainConfig(data=str(data), epochs=1, teachers=(str(teacher),), distill_weight=0.5, **TINY)
        with pytest.raises(CheckpointError, match=message):
            train(cfg, tmp_path / "run")
        assert not (tmp_path / "run" / "last.pt").exists()


def test_config_refuses_teachers_without_a_weight_and_bad_values() -> None:
    assert load_config(None, teachers=["a", "b"], distill_weight=0.5).teachers == ("a", "b")
    with pytest.raises(ConfigError, match="teachers and distill_weight > 0 go together"):
        TrainConfig(teachers=("a",))
    with pytest.raises(ConfigError, match="teachers and distill_weight > 0 go together"):
        TrainConfig(distill_weight=0.5)
    with pytest.raises(ConfigError, match=r"distill_weight must be in \[0, 1\], got 1.5"):
        TrainConfig(teachers=("a",), distill_weight=1.5)
    with pytest.raises(ConfigError, match="distill_view must be one of"):
        TrainConfig(teachers=("a",), distill_weight=0.5, distill_view="blurred")
    with pytest.raises(ConfigError, match="distill_temperature must be > 0, got 0"):
        TrainConfig(teachers=("a",), distill_weight=0.5, distill_temperature=0)


@pytest.mark.parametrize("view", ["augmented", "clean"])
def test_a_student_learns_its_teachers_answers(taught: tuple[Path, Path, Path], tmp_path: Path, view: str) -> None:
    """A teacher that calls every face fearful (its last layer edited to say so): the distilled student comes
    to say fear too, whichever view the teacher reads, the student of the labels alone does not."""
    data, first, _ = taught
    state = torch.load(first / "last.pt", weights_only=False)
    state["model"]["head.3.weight"].zero_()
    state["model"]["head.3.bias"].copy_(torch.tensor([0.0, 0.0, 4.0, 0.0, 0.0, 0.0, 0.0]))
    torch.save(state, tmp_path / "fearful.pt")
    common = {"data": str(data), "epochs": 3, "lr": 0.05, "seed": 7, **TINY}
    x = load_split(TrainConfig(**common), "val").x.contiguous(memory_format=torch.channels_last)

    def fear_share(run: str) -> float:
        model = build_net("vgg-tiny", 7)
        model.load_state_dict(torch.load(tmp_path / run / "last.pt", weights_only=False)["model"])
        return (evaluate_logits(model, x).argmax(1) == 2).float().mean().item()

    train(TrainConfig(**common), tmp_path / "labels")
    fearful = {"teachers": (str(tmp_path / "fearful.pt"),), "distill_weight": 0.9, "distill_view": view}
    train(TrainConfig(**common, **fearful), tmp_path / "taught")
    assert fear_share("taught") > 0.9
    assert fear_share("labels") < 0.5


@pytest.mark.parametrize("view", ["augmented", "clean"])
def test_an_interrupted_distillation_resumes_to_the_same_weights(
    taught: tuple[Path, Path, Path], tmp_path: Path, view: str
) -> None:
    data, first, _ = taught
    mixing = {"mixup_alpha": 0.2, "cutmix_alpha": 1.0, "mix_p": 0.5}
    cfg = TrainConfig(
        data=str(data), epochs=2, teachers=(str(first),), distill_weight=0.5, distill_view=view, **mixing, **TINY
    )
    train(cfg, tmp_path / "straight")

    def interrupt(row: dict[str, float]) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(cfg, tmp_path / "resumed", on_epoch=interrupt)
    train(cfg, tmp_path / "resumed", resume=True)
    a = torch.load(tmp_path / "straight" / "last.pt", weights_only=False)["model"]
    b = torch.load(tmp_path / "resumed" / "last.pt", weights_only=False)["model"]
    assert all(torch.equal(a[k], b[k]) for k in a)
