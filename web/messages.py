"""Messages shown after an action (a code in ``?msg=``, so nothing user-typed is echoed)."""

from __future__ import annotations

from fastapi import Request

MESSAGES = {
    "progress_saved": "Đã lưu báo cáo tiến độ.",
    "input_saved": "Đã gửi ý kiến phối hợp.",
    "evidence_saved": "Đã tải lên tệp minh chứng.",
    "extension_requested": "Đã gửi đề nghị gia hạn; Văn phòng sẽ xem xét.",
    "extension_approved": "Đã chấp thuận gia hạn; thời hạn mới đã được áp dụng.",
    "extension_rejected": "Đã từ chối đề nghị gia hạn.",
    "links_revoked": "Đã thu hồi mọi đường liên kết cũ của cơ quan.",
    "links_revoked_sent": "Đã thu hồi mọi đường liên kết cũ; đường liên kết mới đã được gửi tới hộp thư của cơ quan.",
    "links_revoked_not_sent": "Đã thu hồi mọi đường liên kết cũ, nhưng chưa gửi được đường liên kết mới qua thư: "
                              "bấm “Gửi lại đường liên kết qua thư”, hoặc sao chép đường liên kết gửi qua Zalo.",
    "link_sent": "Đã gửi đường liên kết tới hộp thư của cơ quan.",
    "link_not_sent": "Chưa gửi được thư (máy chủ thư không nhận); hãy thử lại, "
                     "hoặc sao chép đường liên kết gửi qua Zalo.",
    "link_no_address": "Cơ quan chưa có địa chỉ thư điện tử: hãy sao chép đường liên kết gửi qua Zalo.",
    "reminder_sent": "Đã gửi nhắc việc.",
    "reminder_queued": "Đã xếp nhắc việc vào hàng đợi; máy chủ thư chưa sẵn sàng, hệ thống sẽ gửi lại sau.",
    "reminder_none": "Không có nhiệm vụ nào đang mở có thời hạn để nhắc.",
    "review_confirmed": "Đã xác nhận; nhiệm vụ bắt đầu được theo dõi (nhắc việc, đôn đốc, báo cáo định kỳ).",
    "review_discarded": "Đã loại bỏ nhiệm vụ đề xuất; nhiệm vụ sẽ không được theo dõi.",
    "review_edited": "Đã lưu chỉnh sửa; nhiệm vụ vẫn chờ xác nhận.",
    "review_none": "Không còn nhiệm vụ đề xuất nào chờ rà soát.",
    "report_submitted": "Đã gửi báo cáo định kỳ; Văn phòng đã nhận được báo cáo của cơ quan.",
    "import_cancelled": "Đã hủy nhập kế hoạch: tệp vừa tải lên đã được xóa, không có gì được ghi.",
    "user_created": "Đã thêm tài khoản.",
    "user_role": "Đã đổi vai trò; tài khoản đăng nhập lại để dùng vai trò mới.",
    "user_province": "Đã gán tỉnh; tài khoản đăng nhập lại và chỉ thấy dữ liệu của tỉnh này.",
    "user_password": "Đã đặt mật khẩu mới; mọi phiên đăng nhập của tài khoản đã kết thúc.",
    "user_deactivated": "Đã ngừng hoạt động tài khoản; mọi phiên đăng nhập của tài khoản đã kết thúc.",
    "user_activated": "Đã cho tài khoản hoạt động lại.",
    "outbox_resent": "Đã đưa thư gửi lỗi trở lại hàng đợi; hệ thống đang gửi lại.",
    "outbox_none_failed": "Không có thư gửi lỗi nào để gửi lại.",
    "task_created": "Đã thêm nhiệm vụ; nhiệm vụ được nhắc việc, đôn đốc theo cùng quy trình như nhiệm vụ của kế hoạch.",
    "task_edited": "Đã lưu thay đổi của nhiệm vụ.",
    "task_unchanged": "Không có gì thay đổi.",
    "task_reassigned": "Đã giao lại nhiệm vụ; cơ quan chủ trì cũ thôi nhận nhắc việc, đôn đốc về nhiệm vụ này.",
    "task_cancelled": "Đã hủy nhiệm vụ; không còn nhắc việc, đôn đốc về nhiệm vụ này.",
    "plan_corrected": "Đã lưu đính chính số, ngày, trích yếu.",
    "plan_unchanged": "Không có gì thay đổi.",
    "progress_recorded": "Đã ghi nhận báo cáo thay cơ quan.",
    "report_compiled": "Đã lập báo cáo; các tệp Word, Excel và trang web có trong danh sách bên dưới.",
}


def flash(request: Request) -> str | None:
    return MESSAGES.get(request.query_params.get("msg", ""))
