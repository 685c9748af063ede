from typing import Sequence

from .. import Tensor

def clip_grad_norm_(parameters: Sequence[Tensor], max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> float: ...
def clip_grad_value_(parameters: Sequence[Tensor], clip_value: float) -> None: ...
