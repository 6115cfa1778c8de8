"""Shared by the benchmarks: realistic self-review answers, several KB of Vietnamese each.

Sentences of the kind members write, drawn at random (seeded) so that no two answers are
the same text: a database, or a compressor, cannot store them once for many.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from conversations.forms.library import FormLibrary
from conversations.review import steps as rs

SENTENCES = (
    "Bản thân luôn giữ vững lập trường, quan điểm, bản lĩnh chính trị, tuyệt đối trung "
    "thành với mục tiêu, lý tưởng của Đảng.",
    "Chấp hành nghiêm chủ trương, đường lối của Đảng, chính sách, pháp luật của Nhà nước "
    "và các quy định của địa phương nơi cư trú.",
    "Thực hiện tốt Quy định về những điều đảng viên không được làm, giữ gìn phẩm chất đạo "
    "đức, lối sống giản dị, trung thực, khiêm tốn.",
    "Trong năm đã hoàn thành {n} nhiệm vụ được giao, trong đó có {m} nhiệm vụ hoàn thành "
    "trước thời hạn, bảo đảm chất lượng theo yêu cầu.",
    "Tham gia đầy đủ {n}/{m} buổi sinh hoạt chi bộ định kỳ, đóng góp ý kiến xây dựng nghị "
    "quyết và đóng đảng phí đúng quy định.",
    "Còn hạn chế trong việc nghiên cứu, cập nhật văn bản mới; thời gian tới sẽ dành ít nhất "
    "{n} giờ mỗi tháng để tự học, nâng cao trình độ chuyên môn.",
    "Giữ mối liên hệ mật thiết với nhân dân nơi cư trú, tham gia {n} hoạt động của tổ dân "
    "phố và vận động gia đình chấp hành tốt quy định của địa phương.",
    "Thẳng thắn tự phê bình và phê bình, tiếp thu ý kiến góp ý của tập thể chi bộ, kịp "
    "thời khắc phục những hạn chế đã được chỉ ra trong kỳ kiểm điểm trước.",
    "Phối hợp với đồng nghiệp hoàn thành báo cáo tổng kết, kế hoạch năm {y} và các văn bản "
    "chuyên môn đúng tiến độ, không để xảy ra sai sót.",
    "Tích cực học tập và làm theo tư tưởng, đạo đức, phong cách Hồ Chí Minh, xây dựng kế "
    "hoạch cá nhân với {n} nội dung cụ thể và thực hiện đạt kết quả tốt.",
)


def answer_text(rnd: random.Random, size: int = 3000) -> str:
    """About `size` bytes of UTF-8 (Vietnamese takes ~1.3 bytes a character)."""
    parts: list[str] = []
    written = 0
    while written < size:
        sentence = rnd.choice(SENTENCES).format(n=rnd.randint(2, 30), m=rnd.randint(2, 40),
                                                y=rnd.randint(2024, 2027))
        parts.append(sentence)
        written += len(sentence.encode()) + 1
    return " ".join(parts)


def submitted_answers(forms: FormLibrary, review_id: int, stamp: str, rnd: random.Random,
                      size: int = 3000) -> Iterator[tuple]:
    """Rows (review_id, item_key, text, score, updated_at) of a review with every item
    answered: a text of ~`size` bytes per text item, a score, a choice, the yes/no
    questions answered "no"."""
    form = forms.get(forms.default_version, "2B")
    for item in form.items:
        if item.kind == "score":
            yield review_id, item.key, "", rnd.randint(10, 30), stamp
        elif item.kind == "choice":
            yield review_id, item.key, item.options[0].key, None, stamp
        else:
            yield review_id, item.key, answer_text(rnd, size), None, stamp
    for question in form.disqualifiers:
        yield review_id, rs.DQ + question.key, "no", None, stamp
