"""Thresholds per embedding variant, falling back to the model's own calibration."""

import json
from pathlib import Path

from bot.calibration import UNCALIBRATED, calibration_key, load_thresholds

ENTRY = {"same_language": 0.4, "cross_language": 0.45, "claim_bar": 0.4, "name_bar": 0.55,
         "gate_same_language": 0.33, "gate_cross_language": 0.34}


def test_a_variant_has_its_own_thresholds_or_the_models(tmp_path: Path) -> None:
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps({"models": {
        "m": ENTRY, calibration_key("m", "onnx-int8"): {**ENTRY, "same_language": 0.41}}}))
    assert load_thresholds("m", "onnx-int8", path=path).same_language == 0.41
    assert load_thresholds("m", "torch-bf16", path=path).same_language == 0.4  # the model's
    assert load_thresholds("m", "", path=path).same_language == 0.4
    assert load_thresholds("other", "onnx-int8", path=path) == UNCALIBRATED
